"""The browser's plumbing: role checks, error pages, security headers, language, templates."""
