"""The morning digest: a scheduled function that mails each active user what needs them today."""
