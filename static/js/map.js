/* Map of the structures (directory and structure pages), drawn with Leaflet.
 *
 * No inline script: the data comes from the page's JSON block
 * {{ map_data|json_script:"map-data" }} — {tiles, attribution, structures: [{name, commune, url, lat, lng}]} —
 * and the map is drawn in the element #carte. The same structures are listed as links in the page,
 * for whoever cannot use the map.
 */
(function () {
  "use strict";

  var container = document.getElementById("carte");
  var source = document.getElementById("map-data");
  if (!container || !source || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var structures = data.structures || [];
  if (!structures.length) {
    return;
  }

  var map = L.map(container, {
    scrollWheelZoom: false, // the page scrolls; zoom with the buttons, the keyboard or a double click
    zoomControl: false,
  });
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" title="Bibliothèque de cartes Leaflet">Leaflet</a>'
  );

  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  }

  // The popup is built from DOM nodes, never from HTML strings: names are text, not markup.
  function popupContent(structure) {
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = structure.url;
    link.textContent = structure.name;
    wrapper.appendChild(link);
    if (structure.commune) {
      wrapper.appendChild(document.createElement("br"));
      wrapper.appendChild(document.createTextNode(structure.commune));
    }
    return wrapper;
  }

  var points = [];
  structures.forEach(function (structure) {
    var point = [structure.lat, structure.lng];
    points.push(point);
    L.marker(point, {
      title: structure.name,
      alt: structure.name + (structure.commune ? ", " + structure.commune : ""),
    })
      .bindPopup(popupContent(structure))
      .addTo(map);
  });

  if (points.length === 1) {
    map.setView(points[0], 13);
  } else {
    map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 13 });
  }
})();
