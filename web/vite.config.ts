import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

// `npm run build:web`: web/ → web/dist, served by the service at / (src/adapters/http/StaticRoutes.ts).
// `npx vite --config web/vite.config.ts` serves it with hot reload, proxying the API to a running `npm start`.
const api = process.env["API_URL"] ?? "http://127.0.0.1:3000"

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: { "/api": api, "/graphql": api }
  }
})
