/** Task head descriptions shared by the bundle format, the graph and inference. */
package org.streambert.bert.heads;
