import { useConsent, useExperiment, useTracker } from '@pipit/react/native'
import type { NativeStackScreenProps } from '@react-navigation/native-stack'
import { Button, Switch, Text, View } from 'react-native'
import type { Events } from './analytics'
import type { Tracker } from '@pipit/sdk/react-native'

export type Routes = {
  Home: undefined
  Product: { id: string }
  Settings: undefined
}

/** The provider's tracker, typed with the app's events. */
const useAppTracker = () => useTracker() as Tracker<Events>

export function HomeScreen({ navigation }: NativeStackScreenProps<Routes, 'Home'>) {
  const pipit = useAppTracker()
  // 'long' until consent and until the stored ids are loaded; then the user's stable variant.
  // The SDK tracks "Experiment Viewed" once per experiment and user.
  const onboarding = useExperiment('onboarding-length', ['long', 'short'])
  return (
    <View>
      <Text>{onboarding === 'short' ? 'Welcome!' : 'Welcome! Here is a tour of the app…'}</Text>
      <Button title="Skip" onPress={() => pipit.track('Onboarding Skipped')} />
      <Button title="A product" onPress={() => navigation.navigate('Product', { id: 'p-42' })} />
      <Button title="Settings" onPress={() => navigation.navigate('Settings')} />
    </View>
  )
}

export function ProductScreen({ route }: NativeStackScreenProps<Routes, 'Product'>) {
  const pipit = useAppTracker()
  return (
    <Button
      title="Add to cart"
      onPress={() => pipit.track('Added To Cart', { productId: route.params.id, price: 19.9 })}
    />
  )
}

export function SettingsScreen() {
  const [consent, setConsent] = useConsent()
  return (
    <View>
      <Text>Usage statistics</Text>
      <Switch
        value={consent === 'granted'}
        onValueChange={(on) => setConsent(on ? 'granted' : 'denied')}
      />
    </View>
  )
}
