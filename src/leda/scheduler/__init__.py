"""What moto's Scheduler does not do: firing one-time schedules through their targets."""
