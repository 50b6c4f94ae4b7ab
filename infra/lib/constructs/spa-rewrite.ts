/**
 * CloudFront Function (viewer request, cloudfront-js-2.0) of the portal's default behaviour:
 * the portal routes on the client (/masters, /deployments?…), so any path whose last segment
 * has no file extension is served index.html. Files (/assets/x.js, /config.json) pass as
 * they are, and a missing one stays a 404 rather than an HTML page the browser cannot run.
 * /v1/* never reaches it: that behaviour goes to the API.
 */
export const SPA_REWRITE_CODE = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;
