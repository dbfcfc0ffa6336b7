/** The one error shape of the API (API.md). */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
