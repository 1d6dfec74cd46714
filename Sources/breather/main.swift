print("breather")
