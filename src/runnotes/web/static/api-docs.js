// Starts Swagger UI on /api/docs. A file, not an inline script: the page then works under a
// Content-Security-Policy that allows script from this server only.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default badge asks validator.swagger.io: nothing leaves the machine
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
