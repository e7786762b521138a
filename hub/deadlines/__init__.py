"""The one deadline engine: calendar and working days, the holiday calendar (with 调休),
the counting convention, pause/resume, extension and the 红黄绿 colours."""
