# Makefile for lupine. `make` builds ./lupine, `make test` runs every test,
# `make install PREFIX=/usr/local` installs the single binary.
CC      ?= gcc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes
XCFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc
LIBS    := -larchive -ljansson -lcrypto
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer

SRCS    := $(wildcard src/*.c src/cmd/*.c)
LIBSRCS := $(filter-out src/lupine.c,$(SRCS))
CONFIGS := $(wildcard configs/base.config configs/tiny.config) $(sort $(wildcard configs/apps/*.config))

OBJS    := $(SRCS:%.c=build/obj/%.o) build/obj/configs_data.o
SANOBJS := $(LIBSRCS:%.c=build/san/%.o) build/san/configs_data.o

all: lupine

lupine: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/obj/%.o: %.c $(wildcard src/*.h src/cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/%.o: %.c $(wildcard src/*.h src/cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

build/embed: tools/embed.c
	@mkdir -p build
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

build/configs_data.c: build/embed $(CONFIGS)
	build/embed $@ embedded_configs configs/ $(CONFIGS)

build/obj/configs_data.o: build/configs_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/configs_data.o: build/configs_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

install: lupine
	install -D -m 755 lupine $(DESTDIR)$(PREFIX)/bin/lupine

clean:
	rm -rf build lupine

.PHONY: all install clean test
