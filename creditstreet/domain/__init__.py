"""Pure rules of creditstreet (SPEC.md): time, working days, stars, grades, complaints."""
