interface ImportMetaEnv {
  /** Backend origin when the UI is not served by the backend itself (default: same origin). */
  readonly VITE_API_BASE_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
