import { useConsent } from '@pipit/react/native'
import { Button, Modal, StyleSheet, Text, View } from 'react-native'

/**
 * The app's own consent prompt: React Native gets the state and the actions
 * from `useConsent()` (the web banner is web-only). Nothing is stored or sent
 * while the choice is pending; the choice is stored and survives restarts.
 */
export function ConsentPrompt() {
  const [consent, setConsent] = useConsent()
  return (
    <Modal visible={consent === 'pending'} transparent animationType="slide">
      <View style={styles.sheet} accessibilityRole="alert">
        <Text style={styles.title}>Help us improve the app</Text>
        <Text>
          We count screens and taps to learn what works. No advertising, no selling of data; you can
          change your mind in Settings.
        </Text>
        <View style={styles.actions}>
          <Button title="Decline" onPress={() => setConsent('denied')} />
          <Button title="Allow" onPress={() => setConsent('granted')} />
        </View>
      </View>
    </Modal>
  )
}

const styles = StyleSheet.create({
  sheet: { marginTop: 'auto', padding: 24, gap: 12, backgroundColor: 'white' },
  title: { fontSize: 18, fontWeight: '600' },
  actions: { flexDirection: 'row', justifyContent: 'flex-end', gap: 12 },
})
