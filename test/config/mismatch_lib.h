/* The library side of the configuration-mismatch test (CMakeLists.txt here). */
#define TIP_MAX_SA 24
#define TIP_NATT_KEEPALIVE_MS 5000u
