// Gives every layer library at least one source while the layer is empty.
