// Intentionally empty: the functions are static inline in the header.
