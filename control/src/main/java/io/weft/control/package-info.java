/** The coordination server: login, node registry, policy, netmap streaming. */
package io.weft.control;
