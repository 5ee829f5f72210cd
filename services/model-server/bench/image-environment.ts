/** The glibc settings of the model server's image (Dockerfile), so that bundles spawned here run as it does. */
export const IMAGE_GLIBC_ENVIRONMENT = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;
