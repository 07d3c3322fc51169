"""agreements — views (see CONVENTIONS.md section 2 for what belongs here)."""
