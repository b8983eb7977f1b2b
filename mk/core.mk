# The async core (src/aw/), its POSIX and WASI backends, tests, example and benchmark.
# Everything is built under build/core/.
#
# Other fragments use:
#   AW_CORE_SRCS   backend-independent core sources (the IC build compiles them with IC_CFLAGS)
#   AW_POSIX_SRCS  sources to add for a native program (poll(2) backend and fd futures)
#   AW_WASI_SRCS   sources to add for a wasm32-wasi program (poll_oneoff backend and fd futures)
AW_IO_SRCS := src/aw/io.c
AW_CORE_SRCS := $(filter-out $(AW_IO_SRCS),$(sort $(wildcard src/aw/*.c)))
AW_POSIX_SRCS := src/backend/posix.c $(AW_IO_SRCS)
AW_WASI_SRCS := src/backend/wasi.c $(AW_IO_SRCS)
AW_HEADERS := $(wildcard include/asyncwasm/aw*.h) $(wildcard src/aw/*.h)
