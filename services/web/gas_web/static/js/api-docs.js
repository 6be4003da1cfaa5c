// The API page: Swagger UI over the OpenAPI document, sending the page's CSRF token
// with the requests "Try it out" makes (the session cookie goes with them).
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  window.SwaggerUIBundle({
    url: box.dataset.spec,
    domNode: box,
    deepLinking: true,
    validatorUrl: null, // no calls to validator.swagger.io
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = token;
      return request;
    },
  });
})();
