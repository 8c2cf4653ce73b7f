# Makefile for lupine. `make` builds ./lupine, `make test` runs every test,
# `make install PREFIX=/usr/local` installs the single binary.
CC      ?= gcc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes
XCFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -I.
LIBS    := -larchive -ljansson -lcrypto -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer

SRCS    := $(wildcard src/*.c src/*/*.c)
HDRS    := $(wildcard src/*/*.h guest/*.h)
LIBSRCS := $(filter-out src/lupine.c,$(SRCS))
CONFIGS := $(wildcard configs/base.config configs/tiny.config configs/kml.config configs/container.config) $(sort $(wildcard configs/apps/*.config)) $(sort $(wildcard configs/baselines/*.config))

GUEST   := $(patsubst guest/%.c,build/guest/%,$(wildcard guest/*.c)) build/guest/init build/guest/latency
MUSLCC  ?= musl-gcc
GCFLAGS := -static -Os -std=c11 -D_GNU_SOURCE $(WARN) -Iguest

PATCHES := $(wildcard kernel/kml.patch kernel/missing.patch)
RECIPES := $(sort $(wildcard configs/apps/*.recipe))

DATA    := configs guest patches recipes
OBJS    := $(SRCS:%.c=build/obj/%.o) $(DATA:%=build/obj/%_data.o)
SANOBJS := $(LIBSRCS:%.c=build/san/%.o) $(DATA:%=build/san/%_data.o)

all: lupine lupine-runc

lupine: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the OCI runtime for containerd is the same program under a second name
lupine-runc: lupine
	ln -sf lupine $@

build/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

build/embed: tools/embed.c
	@mkdir -p build
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

build/configs_data.c: build/embed $(CONFIGS)
	build/embed $@ embedded_configs configs/ $(CONFIGS)

build/patches_data.c: build/embed $(PATCHES)
	build/embed $@ embedded_patches kernel/ $(PATCHES)

build/recipes_data.c: build/embed $(RECIPES)
	build/embed $@ embedded_recipes configs/apps/ $(RECIPES)

build/obj/recipes_data.o: build/recipes_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/recipes_data.o: build/recipes_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

build/obj/patches_data.o: build/patches_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/patches_data.o: build/patches_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

build/obj/configs_data.o: build/configs_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/configs_data.o: build/configs_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

# guest programs: static, built with musl, embedded into lupine
build/guest/%: guest/%.c guest/protocol.h
	@mkdir -p build/guest
	$(MUSLCC) $(GCFLAGS) -o $@ $<
	strip $@

# the init: guest/init/*.c, reading programs' PT_INTERP with lupine's own ELF reader
INITSRCS := $(wildcard guest/init/*.c) src/lib/elf.c
build/guest/init: $(INITSRCS) $(wildcard guest/init/*.h) guest/protocol.h src/lib/elf.h
	@mkdir -p build/guest
	$(MUSLCC) $(GCFLAGS) -Isrc -o $@ $(INITSRCS)
	strip $@

# the syscall latency probe of 'lupine bench syscall', built with the KML musl
build/guest/latency: build/kml/latency
	@mkdir -p build/guest
	cp $< $@

build/guest_data.c: build/embed $(GUEST)
	build/embed $@ embedded_guest build/guest/ $(GUEST)

build/obj/guest_data.o: build/guest_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

build/san/guest_data.o: build/guest_data.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -c -o $@ $<

# tests: one runner, built with ASan/UBSan, linked with the library modules
TESTSRCS := $(wildcard tests/*.c)
build/test-runner: $(SANOBJS) $(TESTSRCS:%.c=build/san/%.o)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

build/san/tests/%.o: tests/%.c $(wildcard tests/*.h) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(XCFLAGS) -Itests -c -o $@ $<

# the tests' CRI client: gRPC's C core and protobuf-c, the messages generated
# from tests/cri/api.proto (cri-api v0.25.0) less its gogoproto options
build/cri/api.pb-c.c: tests/cri/api.proto
	@mkdir -p build/cri
	grep -v gogo $< >build/cri/api.proto
	protoc-c --c_out=build/cri --proto_path=build/cri build/cri/api.proto

build/cri/api.pb-c.h: build/cri/api.pb-c.c

build/crictl-lite: tests/cri/crictl-lite.c tests/cri/cri.c tests/cri/cri.h build/cri/api.pb-c.c build/cri/api.pb-c.h
	$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE $(WARN) -Ibuild/cri -Itests/cri -o $@ \
		tests/cri/crictl-lite.c tests/cri/cri.c build/cri/api.pb-c.c $$(pkg-config --libs grpc libprotobuf-c)

# static programs the tests run inside VMs
build/testguest/%: tests/guest/%.c
	@mkdir -p build/testguest
	$(MUSLCC) $(GCFLAGS) -o $@ $<

# KML guest tests: static, with the KML-patched musl scripts/setup.sh builds
MUSLKML  ?= /opt/lupine-musl/bin/musl-gcc
KMLTESTS := $(patsubst tests/kml/%.c,build/kml/%,$(filter-out tests/kml/cplprobe.c,$(wildcard tests/kml/*.c)))

build/kml/%: tests/kml/%.c tests/kml/kmltest.h
	@mkdir -p build/kml
	$(MUSLKML) -static -O2 -std=gnu11 -D_GNU_SOURCE $(WARN) -o $@ $< -lpthread

# loaded into glibc programs (redis) to print the CPL they run at
build/kml/cplprobe.so: tests/kml/cplprobe.c
	@mkdir -p build/kml
	$(CC) -shared -fPIC -O2 $(WARN) -o $@ $<

test: lupine lupine-runc build/test-runner build/crictl-lite build/testguest/probe build/testguest/features build/testguest/steps $(KMLTESTS) build/kml/cplprobe.so
	build/test-runner $(TESTS)

# fuzzing: libFuzzer harnesses over the library, built with clang (fuzz/README.md)
FUZZ_SECONDS ?= 60
FUZZERS  := layer image elf kconfig bundle ctl spec recipe docker passwd bzimage runfile derive
FUZZCC   := clang
FUZZFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Isrc -I. $(WARN)
FUZZLIB  := $(filter-out src/cmd/%,$(LIBSRCS)) $(DATA:%=build/%_data.c)
FUZZOBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(FUZZLIB))
# kept between runs (make would delete them as intermediates of build/fuzz/%)
.SECONDARY: $(FUZZOBJS)

build/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: fuzz/fuzz_%.c $(FUZZOBJS)
	$(FUZZCC) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZOBJS) $(LIBS) $(FUZZLDFLAGS)

# derive: the base config, Kconfig index and feature table are made once (fuzz_derive.c)
build/fuzz/derive: FUZZLDFLAGS := -Wl,--wrap=kbuild_resolve,--wrap=kindex_load,--wrap=kindex_free \
	-Wl,--wrap=kfeature_load,--wrap=kfeature_table_release

# runfile: the init's run file parser alone, built for the host
build/fuzz/runfile: fuzz/fuzz_runfile.c guest/init/runfile.c guest/init/init.h guest/protocol.h
	@mkdir -p build/fuzz
	$(FUZZCC) $(FUZZFLAGS) -Iguest -Iguest/init -fsanitize=fuzzer -o $@ fuzz/fuzz_runfile.c guest/init/runfile.c

# seeds from the test fixtures: fuzz/seeds/, the kernel fragments, the guest
# programs and host ELF files, small tar layers with links and whiteouts
build/fuzz/seeds: $(GUEST) build/testguest/probe $(CONFIGS) $(RECIPES) $(wildcard fuzz/seeds/*/*)
	rm -rf $@ build/fuzz/tree && mkdir -p $(FUZZERS:%=$@/%) $@/elf $@/layer $@/kconfig $@/recipe \
		build/fuzz/tree/etc build/fuzz/tree/data
	cp -r fuzz/seeds/* $@/
	cp $(CONFIGS) $@/kconfig/
	cp $(RECIPES) $@/recipe/
	cp $(GUEST) build/testguest/probe /bin/true /usr/lib/x86_64-linux-gnu/libc.so.6 $@/elf/
	echo hello >build/fuzz/tree/etc/hosts && ln -s /etc/hosts build/fuzz/tree/link && \
		ln build/fuzz/tree/etc/hosts build/fuzz/tree/hard && touch build/fuzz/tree/data/.wh.old \
		build/fuzz/tree/data/.wh..wh..opq
	tar -cf $@/layer/tree.tar -C build/fuzz/tree . && tar -czf $@/layer/tree.tar.gz -C build/fuzz/tree .
	tar --format=gnu -cf $@/layer/gnu.tar -C build/fuzz/tree .

# each harness replays its fuzz/regressions/NAME/ inputs first (one that
# crashes is a bug still open, or back: the harness is not fuzzed), then
# fuzzes; a crash fails the target after every harness has had its turn
fuzz: $(addprefix build/fuzz/,$(FUZZERS)) build/fuzz/seeds
	@failed=; for f in $(FUZZERS); do \
		mkdir -p build/fuzz/corpus-$$f && cp -n build/fuzz/seeds/$$f/* build/fuzz/corpus-$$f/ 2>/dev/null; \
		if [ -d fuzz/regressions/$$f ] && ! build/fuzz/$$f fuzz/regressions/$$f/* >build/fuzz/$$f.log 2>&1; then \
			tail -30 build/fuzz/$$f.log; echo "fuzz: $$f: an input in fuzz/regressions/$$f still crashes it"; \
			failed="$$failed $$f"; continue; \
		fi; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		build/fuzz/$$f build/fuzz/corpus-$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/crash-$$f- \
			-print_final_stats=1 2>build/fuzz/$$f.log || { tail -30 build/fuzz/$$f.log; failed="$$failed $$f"; continue; }; \
		grep -E "stat::number_of_executed_units|cov:" build/fuzz/$$f.log | tail -2; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz: crashed:$$failed (build/fuzz/crash-*)"; exit 1; }

# every recipe, each on its own manifest kernel (long: a kernel and a Debian root per app)
test-apps: lupine
	./lupine apps test

# the OCI runtime-tools validation suite on runc and lupine-runc (long, VMs under
# TCG: not part of make test); RUNTIME_TOOLS_GIT names a clone when offline
conformance: lupine lupine-runc
	bench/conformance.sh $(CONFORMANCE_OUT)

install: lupine
	install -D -m 755 lupine $(DESTDIR)$(PREFIX)/bin/lupine
	ln -sf lupine $(DESTDIR)$(PREFIX)/bin/lupine-runc

clean:
	rm -rf build lupine lupine-runc

.PHONY: all install clean test test-apps fuzz conformance
