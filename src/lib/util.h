/* util.h: the everyday helpers every module uses, in one include. */
#ifndef LUPINE_UTIL_H
#define LUPINE_UTIL_H

#include "lib/file.h"
#include "lib/msg.h"
#include "lib/proc.h"
#include "lib/str.h"

#endif
