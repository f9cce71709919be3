/**
 * The public Hugging Face Hub's address, the default hub. Apart from hub-client.ts so that the page's settings store
 * does not pull @huggingface/hub (about 60 KB gzip) into the first load for a constant.
 */
export const PUBLIC_HUB_URL = 'https://huggingface.co'
