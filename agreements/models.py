"""agreements — models (see CONVENTIONS.md section 2 for what belongs here)."""
