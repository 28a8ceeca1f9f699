/**
 * The picocli commands ({@code fine-tune}, {@code distill}, {@code pretrain}, {@code fine-tune-squad},
 * {@code evaluate}, {@code publish}, {@code import}, {@code export}, {@code serve}, {@code promote}, {@code rollback},
 * {@code refresh}, …) and their shared option groups ({@code ModelOptions}, {@code TrainingOptions},
 * {@code KafkaOptions}, {@code PublishOptions}, …). Commands parse and validate options, then call the packages
 * below; no training or publishing logic lives here.
 */
package org.streambert.trainer.cli;
