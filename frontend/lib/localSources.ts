/**
 * The files a person uploaded in this tab, by job: the player shows the original video (no skeleton
 * burnt in) with the overlay drawn from the result; a job opened later falls back to the service's
 * annotated MP4.
 */
interface Upload {
  file: File;
  url?: string;
}
const uploads = new Map<string, Upload>();
const key = (service: string, id: string) => `${service}:${id}`;

export function rememberUpload(service: string, id: string, file: File) {
  forgetUpload(service, id);
  uploads.set(key(service, id), { file });
}
export function uploadedFile(service: string, id: string): File | undefined {
  return uploads.get(key(service, id))?.file;
}
/**
 * An object URL of the uploaded file, made once per upload and kept while the file is remembered
 * (the file stays in memory anyway): pages read it while rendering, with no effect to make and
 * revoke it.
 */
export function uploadedUrl(service: string, id: string): string | undefined {
  const u = uploads.get(key(service, id));
  if (!u) return undefined;
  u.url ??= URL.createObjectURL(u.file);
  return u.url;
}
export function forgetUpload(service: string, id: string) {
  const u = uploads.get(key(service, id));
  if (u?.url) URL.revokeObjectURL(u.url);
  uploads.delete(key(service, id));
}
