/**
 * Local-host defences shared by every daemon of the node: secrets written whole through the
 * descriptor that created them ({@code O_CREAT|O_EXCL}, mode 0600, fsynced, renamed into place),
 * directories refused when someone else owns them or others may write them, and Unix sockets bound
 * where no one else can reach them before their mode is set, with each caller's credentials ({@code
 * SO_PEERCRED}) checked against root and the socket's owner.
 */
package io.weft.wg.local;
