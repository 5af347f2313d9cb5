"""Reminders: the rules that make a date due, the reminder aggregate, the calendar."""
