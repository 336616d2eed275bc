#!/usr/bin/env bash
# make deploy's last step: puts web/ in the stack's web client bucket and invalidates the distribution, so the
# page at the WebClientUrl output is this checkout's. config.json is not uploaded: the distribution makes it from
# the stack's own values (infra/template.yaml, WebClientConfigFunction). Needs the AWS CLI and credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:?usage: tools/deploy-web.sh <stack-name>}

output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

bucket=$(output WebClientBucketName)
if [ -z "$bucket" ] || [ "$bucket" = "None" ]; then
  echo "Stack $stack has no web client (deploy with --parameter-overrides EnableWebClient=true); nothing to upload."
  exit 0
fi

distribution=$(output WebClientDistributionId)
# HTML and config are looked up on every visit; scripts and styles are cached by the CDN and revalidated.
aws s3 sync web/ "s3://$bucket/" --delete --exclude config.json --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" --query Invalidation.Id --output text
echo "The browser client: $(output WebClientUrl)"
