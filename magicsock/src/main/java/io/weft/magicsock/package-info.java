/**
 * The mesh Bind: STUN, disco, path selection, DERP fallback. Not built yet: this module holds only
 * its package so the module graph of {@code shared/ARCHITECTURE.md} exists; its issue has not come
 * yet.
 */
package io.weft.magicsock;
