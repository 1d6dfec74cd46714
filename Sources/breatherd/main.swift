print("breatherd")
