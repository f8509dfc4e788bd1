declare module 'swagger-ui-dist' {
  /** Folder holding the Swagger UI static files. */
  export function getAbsoluteFSPath(): string;
  const swaggerUiDist: { getAbsoluteFSPath(): string };
  export default swaggerUiDist;
}
