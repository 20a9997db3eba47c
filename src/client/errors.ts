/** An error answered by the server: stable `code`, HTTP `status` (0 for update-channel calls). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly data?: Record<string, unknown>,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ApiError';
  }
}
