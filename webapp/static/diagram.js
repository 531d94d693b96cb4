/* KLIP flowchart viewer: zoom buttons, and the SOP text of a shape in the side panel (click, or Tab + Enter).
   No libraries. Markup: webapp/templates/docs/_diagram.html; notes: <script type="application/json" id="sop-text">. */
(function () {
  "use strict";

  var MIN_SCALE = 0.25, MAX_SCALE = 2.5, STEP = 1.25;
  var SHAPES = ".bpmn-activity, .bpmn-event, .bpmn-gateway, .bpmn-data";

  function readNotes(root) {
    var source = document.getElementById(root.getAttribute("data-notes") || "sop-text");
    try {
      return source ? JSON.parse(source.textContent) : {};
    } catch (e) {
      return {};
    }
  }

  function Viewer(root) {
    this.root = root;
    this.frame = root.querySelector(".diagram-frame");
    this.svg = this.frame && this.frame.querySelector("svg");
    this.panel = root.querySelector(".diagram-panel");
    this.notes = readNotes(root);
    this.selected = null;
    if (!this.svg) {
      return;
    }
    var box = this.svg.viewBox && this.svg.viewBox.baseVal;
    this.width = box && box.width ? box.width : this.svg.getBBox().width;
    this.height = box && box.height ? box.height : this.svg.getBBox().height;
    this.scale = 1;
    this.bindZoom();
    this.bindShapes();
    this.zoomTo(this.initialScale(), false);
    if (root.hasAttribute("data-center")) {
      var current = this.svg.querySelector(".bpmn-activity.state-overdue, .bpmn-activity.state-active");
      if (current) {
        this.centerOn(current);
      }
    }
  }

  Viewer.prototype.fitScale = function () {
    return Math.max(MIN_SCALE, Math.min(1, (this.frame.clientWidth - 4) / this.width));
  };

  /* Readable by default: the whole width when labels stay legible, otherwise a scrollable 70 %;
     data-fit (the heat map) starts with the whole width in view. */
  Viewer.prototype.initialScale = function () {
    return this.root.hasAttribute("data-fit") ? this.fitScale() : Math.max(this.fitScale(), 0.7);
  };

  Viewer.prototype.zoomTo = function (scale, keepCenter) {
    var frame = this.frame;
    scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale));
    var cx = (frame.scrollLeft + frame.clientWidth / 2) / this.scale;
    var cy = (frame.scrollTop + frame.clientHeight / 2) / this.scale;
    this.scale = scale;
    this.svg.setAttribute("width", String(Math.round(this.width * scale)));
    this.svg.setAttribute("height", String(Math.round(this.height * scale)));
    if (keepCenter) {
      frame.scrollLeft = cx * scale - frame.clientWidth / 2;
      frame.scrollTop = cy * scale - frame.clientHeight / 2;
    }
    var label = this.root.querySelector("[data-zoom-level]");
    if (label) {
      label.textContent = Math.round(scale * 100) + "%";
    }
  };

  Viewer.prototype.bindZoom = function () {
    var self = this;
    var buttons = this.root.querySelectorAll("[data-zoom]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-zoom");
        if (action === "in") {
          self.zoomTo(self.scale * STEP, true);
        } else if (action === "out") {
          self.zoomTo(self.scale / STEP, true);
        } else if (action === "fit") {
          self.zoomTo(self.fitScale(), true);
        } else {
          self.zoomTo(1, true);
        }
      });
    });
  };

  Viewer.prototype.centerOn = function (element) {
    var r = element.getBoundingClientRect(), f = this.frame.getBoundingClientRect();
    this.frame.scrollLeft += (r.left + r.width / 2) - (f.left + f.width / 2);
    this.frame.scrollTop += (r.top + r.height / 2) - (f.top + f.height / 2);
  };

  /* The words for each state class, from the panel's badges (so in the page's language). */
  Viewer.prototype.stateWords = function () {
    var words = {};
    if (this.panel) {
      Array.prototype.forEach.call(this.panel.querySelectorAll("[data-state]"), function (badge) {
        words[badge.getAttribute("data-state")] = badge.textContent.trim();
      });
    }
    return words;
  };

  /* A shape's accessible name: its name as drawn (so speech users can say what they see), then its state,
     which the diagram otherwise shows by colour and a small mark. */
  function shapeLabel(g, note, id, words) {
    var drawn = (g.textContent || "").replace(/\s+/g, " ").trim();
    var label = note.name || drawn || id;
    var states = Object.keys(words).filter(function (css) {
      return words[css] && g.classList.contains(css);
    }).map(function (css) {
      return words[css];
    });
    return states.length ? label + " (" + states.join(", ") + ")" : label;
  }

  Viewer.prototype.bindShapes = function () {
    var self = this;
    var words = this.stateWords();
    var elements = this.svg.querySelectorAll("[data-element-id]");
    /* The shapes become buttons: the drawing is then a group of them, not a single image. */
    this.svg.setAttribute("role", "group");
    Array.prototype.forEach.call(elements, function (g) {
      var id = g.getAttribute("data-element-id");
      if (!self.notes[id] && !g.matches(SHAPES)) {
        return;
      }
      var note = self.notes[id] || {};
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", shapeLabel(g, note, id, words));
      g.classList.add("is-clickable");
    });
    this.svg.addEventListener("click", function (event) {
      var g = event.target.closest ? event.target.closest(".is-clickable") : null;
      if (g) {
        self.show(g, false);
      }
    });
    this.svg.addEventListener("keydown", function (event) {
      var g = event.target.closest ? event.target.closest(".is-clickable") : null;
      if (g && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        self.show(g, true);
      }
    });
    var close = this.panel && this.panel.querySelector("[data-panel-close]");
    if (close) {
      close.addEventListener("click", function () {
        self.hide();
      });
    }
  };

  function filled(note, keys) {
    return keys.split(/\s+/).every(function (key) {
      return Boolean(note[key]);
    });
  }

  Viewer.prototype.show = function (g, fromKeyboard) {
    if (!this.panel) {
      return;
    }
    var id = g.getAttribute("data-element-id");
    var note = this.notes[id] || {name: id};
    if (this.selected) {
      this.selected.classList.remove("is-selected");
    }
    this.selected = g;
    g.classList.add("is-selected");
    var panel = this.panel;
    Array.prototype.forEach.call(panel.querySelectorAll("[data-slot]"), function (slot) {
      var key = slot.getAttribute("data-slot");
      slot.textContent = note[key] || (key === "name" ? id : "");
    });
    Array.prototype.forEach.call(panel.querySelectorAll("[data-show]"), function (node) {
      node.hidden = !filled(note, node.getAttribute("data-show"));
    });
    Array.prototype.forEach.call(panel.querySelectorAll("[data-show-empty]"), function (node) {
      node.hidden = Boolean(note[node.getAttribute("data-show-empty")]);
    });
    var text = panel.querySelector("[data-slot=text]");
    if (text && text.parentNode) {
      text.parentNode.hidden = !note.text;
    }
    Array.prototype.forEach.call(panel.querySelectorAll("[data-state]"), function (badge) {
      badge.hidden = !g.classList.contains(badge.getAttribute("data-state"));
    });
    var facts = panel.querySelector("[data-facts]");
    if (facts) {
      facts.textContent = "";
      (note.facts || []).forEach(function (fact) {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = fact[0];
        dd.textContent = fact[1];
        facts.appendChild(dt);
        facts.appendChild(dd);
      });
      facts.hidden = !(note.facts && note.facts.length);
    }
    panel.querySelector("[data-panel-empty]").hidden = true;
    panel.querySelector("[data-panel-note]").hidden = false;
    if (window.matchMedia && window.matchMedia("(max-width: 900px)").matches) {
      panel.scrollIntoView({block: "nearest"});
    }
    if (fromKeyboard) {
      g.focus();
    }
  };

  Viewer.prototype.hide = function () {
    if (this.selected) {
      this.selected.classList.remove("is-selected");
      this.selected.focus();
      this.selected = null;
    }
    this.panel.querySelector("[data-panel-empty]").hidden = false;
    this.panel.querySelector("[data-panel-note]").hidden = true;
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-diagram]"), function (root) {
      root.klipViewer = new Viewer(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
