// The API reference pages (/ogc/docs for the OGC API's /ogc/api, /docs for the service's
// /openapi.json): Swagger UI from npm (swagger-ui-dist), bundled here instead of FastAPI's
// default page, which loads it from a CDN. The server names the definition in a data-
// attribute; nothing else is configured inline (the CSP allows no inline script).
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";
import "../common/base.css";
import "./reference.css";

const host = document.getElementById("reference");
if (host) {
  window.machimap = {
    ...window.machimap,
    reference: SwaggerUI({
      domNode: host,
      url: host.dataset.definition,
      // The default asks validator.swagger.io about the definition: no third party here.
      validatorUrl: null,
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      // "Try it out" calls this same server, which the CSP allows (connect-src 'self').
      tryItOutEnabled: false,
    }),
  };
}
