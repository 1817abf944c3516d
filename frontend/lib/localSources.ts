/**
 * The files a person uploaded in this tab, by job: the player shows the original video (no skeleton
 * burnt in) with the overlay drawn from the result; a job opened later falls back to the service's
 * annotated MP4.
 */
const files = new Map<string, File>();
const key = (service: string, id: string) => `${service}:${id}`;

export function rememberUpload(service: string, id: string, file: File) {
  files.set(key(service, id), file);
}
export function uploadedFile(service: string, id: string): File | undefined {
  return files.get(key(service, id));
}
export function forgetUpload(service: string, id: string) {
  files.delete(key(service, id));
}
