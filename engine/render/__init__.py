"""The BPMN diagram renderer: BPMN DI → SVG, for the docs, the SOP document and the live instance view.

Self-contained (lxml only, never SpiffWorkflow); ``render_diagrams`` is its whole public face.
"""
from .diagram import RenderedDiagram, render_diagrams
from .model import RenderError

__all__ = ["RenderError", "RenderedDiagram", "render_diagrams"]
