"""The public status page (issue 33): in French, for an employer, which browser works today and whether the mail arrives."""
