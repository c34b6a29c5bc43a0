print("sochdb-stress: under construction")
