import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Only the config runs in Node; declared here so the app's types stay browser-only.
declare const process: { env: Record<string, string | undefined> };

// `npm run dev` serves the app with hot reload and forwards API calls to a running `dataops api`.
const api = process.env.DATAOPS_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": api,
      "/health": api,
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
