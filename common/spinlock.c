#include "common/spinlock.h"

void (*g_spin_yield)(void);
