"""The Gradio demo: one tab per registered task (see ``demo.build_demo``)."""

from s2s_hub.app.demo import CSS, THEME, build_demo, launch

__all__ = ["CSS", "THEME", "build_demo", "launch"]
