// The API docs page: Swagger UI (vendored, see vendor/NOTICE.md) over this gateway's OpenAPI
// description. A file of its own, not an inline script, so the page runs under the same
// Content-Security-Policy as the explorer: nothing is loaded from another host.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
