"""Reminders: the rules that make a date due, what closes a reminder, the words people read,
the sweep's reminder steps, the reminder aggregate, the calendar."""
