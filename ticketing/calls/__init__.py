"""Phone calls as tickets: intake step by step, the help-desk queue, the local spool."""
