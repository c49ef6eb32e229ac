/* Map of the structures (directory and structure pages), drawn with Leaflet.
 *
 * No inline script: the data comes from the page's JSON block
 * {{ map_data|json_script:"map-data" }} — {tiles, attribution, structures: [{name, commune, url, lat, lng}]} —
 * and the map is drawn in the element #carte. The same structures are listed as links in the page,
 * for whoever cannot use the map. A directory search too wide for a list (all France) gives
 * `source` instead of `structures`: the address of the same JSON, fetched here; so many points are
 * drawn as circles on a canvas, lighter than one element per marker.
 */
(function () {
  "use strict";

  var container = document.getElementById("carte");
  var source = document.getElementById("map-data");
  if (!container || !source || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var MANY = 200;

  function draw(structures) {
    if (!structures.length) {
      return;
    }
    var many = structures.length > MANY;

    var map = L.map(container, {
      scrollWheelZoom: false, // the page scrolls; zoom with the buttons, the keyboard or a double click
      zoomControl: false,
      preferCanvas: many,
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
      var marker = many
        ? L.circleMarker(point, { radius: 5, weight: 1 })
        : L.marker(point, {
            title: structure.name,
            alt: structure.name + (structure.commune ? ", " + structure.commune : ""),
          });
      marker.bindPopup(popupContent(structure)).addTo(map);
    });

    if (points.length === 1) {
      map.setView(points[0], 13);
    } else {
      map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 13 });
    }
  }

  if (data.source) {
    fetch(data.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { structures: [] };
      })
      .then(function (fetched) {
        draw(fetched.structures || []);
      })
      .catch(function () {
        // No map, the page still lists the promeneurs; nothing else to do.
      });
  } else {
    draw(data.structures || []);
  }
})();
