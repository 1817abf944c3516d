/** Static export: `next build` writes plain files to out/, served by server.mjs (local run) or nginx (compose). */
const nextConfig = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};
export default nextConfig;
