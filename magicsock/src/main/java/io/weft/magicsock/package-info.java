/**
 * The mesh Bind: STUN, disco, path selection, DERP fallback.
 */
package io.weft.magicsock;
