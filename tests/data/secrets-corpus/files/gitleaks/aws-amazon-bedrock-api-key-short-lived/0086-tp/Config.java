package billing;

public class Config {
    String AmazonBedrockAPIKeyShortLivedToken = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t";
}
