print("sochdb: under construction")
